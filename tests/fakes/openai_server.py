"""A local OpenAI-compatible chat completions server (stdlib), for tests and benchmarks.

Each request is recorded (path, headers, JSON body); answers come from a queue of scripted
replies, the last one repeating. A reply is a dict: `content` (a JSON-able object or a string
sent as is), `finish_reason`, `refusal`, `status` (an error status), `headers`, `delay` seconds.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = []
        self.latency = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once, no delayed-ACK stall

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                reply = fake.replies.pop(0) if len(fake.replies) > 1 else (fake.replies or [{}])[0]
                time.sleep(reply.get("delay", fake.latency))
                status, payload = fake.answer(reply)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.get("headers", {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reply(self, *replies: dict[str, Any]) -> None:
        self.replies = list(replies)
        self.requests.clear()

    @staticmethod
    def answer(reply: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if status := reply.get("status"):
            error = {"message": reply.get("message", "failed"), "type": "error", "param": None, "code": None}
            return status, {"error": error}
        content = reply.get("content", {})
        text = content if isinstance(content, str) else json.dumps(content)
        message = {"role": "assistant", "content": None if reply.get("refusal") else text}
        message["refusal"] = reply.get("refusal")
        return 200, {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "fake",
            "choices": [{"index": 0, "finish_reason": reply.get("finish_reason", "stop"), "message": message}],
            "usage": {
                "prompt_tokens": reply.get("tokens_in", 100),
                "completion_tokens": reply.get("tokens_out", 50),
                "total_tokens": reply.get("tokens_in", 100) + reply.get("tokens_out", 50),
            },
        }
