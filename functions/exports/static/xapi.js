/* xAPI (Tin Can) runtime of an exported course page.
 *
 * Launch convention: the LRS `endpoint`, its `auth` header value, the learner as `actor`
 * (JSON), the `registration` and the launched `activity_id` come in the query string;
 * links between the package's pages carry them along. Sends xAPI 1.0.3 statements with
 * ADL verbs: launched (the course page), experienced (a lesson opened), completed (a lesson
 * finished), answered (each quiz question, result.score.scaled 1 or 0) and passed or failed
 * (a quiz, result.score.scaled from its score).
 */
(function () {
  "use strict";

  var VERB = "http://adlnet.gov/expapi/verbs/";
  var TYPES = {
    course: "http://adlnet.gov/expapi/activities/course",
    lesson: "http://adlnet.gov/expapi/activities/lesson",
    quiz: "http://adlnet.gov/expapi/activities/assessment",
    question: "http://adlnet.gov/expapi/activities/cmi.interaction"
  };
  var params = new URLSearchParams(window.location.search);
  var root = document.getElementById("xapi");
  var launch = {
    endpoint: params.get("endpoint"),
    auth: params.get("auth"),
    actor: null,
    registration: params.get("registration"),
    // The LMS may launch the course under its own id for it; lessons keep theirs.
    activityId: params.get("activity_id")
  };
  try {
    launch.actor = JSON.parse(params.get("actor") || "null");
    if (launch.actor && Array.isArray(launch.actor.mbox)) launch.actor.mbox = launch.actor.mbox[0];
    if (launch.actor && Array.isArray(launch.actor.name)) launch.actor.name = launch.actor.name[0];
  } catch (e) {
    launch.actor = null;
  }

  function say(text) {
    var status = document.getElementById("status");
    if (status) status.textContent = text;
  }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function activity(id, kind, name) {
    return { objectType: "Activity", id: id, definition: { type: TYPES[kind], name: { "en-US": name } } };
  }

  function statement(verb, object, result) {
    var s = {
      id: uuid(),
      actor: launch.actor,
      verb: { id: VERB + verb, display: { "en-US": verb } },
      object: object,
      timestamp: new Date().toISOString(),
      context: {}
    };
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(launch.registration || "")) {
      s.context.registration = launch.registration;
    }
    var course = courseId();
    if (course && course !== object.id) s.context.contextActivities = { parent: [{ objectType: "Activity", id: course }] };
    if (result) s.result = result;
    return s;
  }

  function courseId() {
    var launched = launch.activityId;
    return launched && /^[a-z][a-z0-9+.-]*:/i.test(launched) ? launched : root.getAttribute("data-course");
  }

  var queue = [];

  function send(statements, keepalive) {
    if (!launch.endpoint || !launch.actor) return Promise.resolve(false);
    var url = launch.endpoint.replace(/\/?$/, "/") + "statements";
    var headers = { "Content-Type": "application/json", "X-Experience-API-Version": "1.0.3" };
    if (launch.auth) headers.Authorization = launch.auth;
    return window
      .fetch(url, { method: "POST", headers: headers, body: JSON.stringify(statements), keepalive: !!keepalive })
      .then(function (response) {
        // 409: the LRS has these ids already, which is success for a resend.
        return response.ok || response.status === 409;
      })
      .catch(function () {
        return false;
      });
  }

  function record(verb, object, result) {
    var s = statement(verb, object, result);
    queue.push(s);
    return s;
  }

  function flush(keepalive) {
    var batch = queue.splice(0, queue.length);
    return batch.length ? send(batch, keepalive) : Promise.resolve(true);
  }

  function carryLaunch() {
    var links = document.querySelectorAll("a[data-launch]");
    for (var i = 0; i < links.length; i += 1) {
      var href = links[i].getAttribute("href");
      links[i].setAttribute("href", href.split("?")[0] + window.location.search);
    }
  }

  var kind = root.getAttribute("data-kind");
  var selfId = kind === "course" ? courseId() : root.getAttribute("data-activity");
  var self = activity(selfId, kind, root.getAttribute("data-name"));

  function startLesson() {
    record("experienced", self);
    flush();
    var button = document.getElementById("finish");
    button.addEventListener("click", function () {
      record("completed", self, { completion: true });
      button.disabled = true;
      flush().then(function (ok) { say(ok ? "Lesson completed." : "Lesson completed (not recorded)."); });
    });
  }

  function startQuiz() {
    var key = JSON.parse(document.getElementById("answer-key").textContent);
    var nodes = Array.prototype.slice.call(document.querySelectorAll("fieldset.question"));
    document.getElementById("quiz").addEventListener("submit", function (event) {
      event.preventDefault();
      var gradable = 0;
      var right = 0;
      nodes.forEach(function (node, i) {
        var entry = key.questions[i];
        var answer;
        if (entry.kind === "text") answer = node.querySelector("input[type=text]").value;
        else answer = Array.prototype.filter.call(node.querySelectorAll("input"), function (x) { return x.checked; })
          .map(function (x) { return x.value; }).join("");
        var question = {
          objectType: "Activity",
          id: self.id + "/questions/" + (i + 1),
          definition: {
            type: TYPES.question,
            name: { "en-US": node.querySelector("legend").textContent },
            interactionType: entry.kind === "text" ? "fill-in" : "choice"
          }
        };
        var result = { response: entry.kind === "text" ? answer : answer.split("").join("[,]") };
        if (entry.correct !== null) {
          gradable += 1;
          var ok = entry.kind === "text"
            ? answer.trim().toLowerCase() === entry.correct.trim().toLowerCase()
            : answer.split("").sort().join("") === entry.correct.split("").sort().join("");
          if (ok) right += 1;
          result.success = ok;
          result.score = { scaled: ok ? 1 : 0 };
        }
        record("answered", question, result);
      });
      var score = gradable ? Math.round((10000 * right) / gradable) / 100 : 100;
      var passed = score >= key.passing;
      record(passed ? "passed" : "failed", self, {
        score: { scaled: score / 100, raw: score, min: 0, max: 100 },
        success: passed,
        completion: true
      });
      document.getElementById("submit").disabled = true;
      flush().then(function () { say("Score " + score + "%: " + (passed ? "passed." : "not passed.")); });
    });
  }

  carryLaunch();
  if (kind === "course") {
    record("launched", self);
    flush();
  } else if (kind === "quiz") {
    startQuiz();
  } else {
    startLesson();
  }
  window.addEventListener("pagehide", function () { flush(true); });
  window.SparkXapi = { launch: launch, flush: flush };
})();
