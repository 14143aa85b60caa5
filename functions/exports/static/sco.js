/* SCORM 1.2 runtime of an exported lesson or quiz (one SCO per page).
 *
 * Finds the LMS's `API` object the way SCORM 1.2 packages must: up the chain of parent
 * frames, then up the opener's chain, a bounded number of steps each. Reports
 * cmi.core.lesson_status in SCORM 1.2's words (incomplete, completed, passed, failed),
 * a quiz's score and answers (cmi.interactions), and keeps where the learner was
 * (cmi.core.lesson_location, cmi.suspend_data under 4,096 characters, exit=suspend)
 * when the page is left unfinished. Calls LMSFinish once: on finishing or on unload.
 */
(function () {
  "use strict";

  var MAX_FRAME_STEPS = 10;
  var SUSPEND_LIMIT = 4096;
  var api = null;
  var finished = false;
  var started = new Date();

  function apiIn(win) {
    var steps = 0;
    try {
      while (win && !win.API && win.parent && win.parent !== win && steps < MAX_FRAME_STEPS) {
        steps += 1;
        win = win.parent;
      }
      return win && win.API ? win.API : null;
    } catch (e) {
      return null; // a frame of another origin: no API there
    }
  }

  function findAPI() {
    var found = apiIn(window);
    try {
      if (!found && window.opener) found = apiIn(window.opener);
      if (!found && window.top && window.top.opener) found = apiIn(window.top.opener);
    } catch (e) {
      found = found || null;
    }
    return found;
  }

  function get(name) {
    return api ? String(api.LMSGetValue(name)) : "";
  }

  function set(name, value) {
    if (api) api.LMSSetValue(name, String(value));
  }

  function pad(n, width) {
    var s = String(n);
    while (s.length < width) s = "0" + s;
    return s;
  }

  // CMITimespan: HHHH:MM:SS.SS
  function timespan(ms) {
    var cs = Math.floor(ms / 10);
    var h = Math.floor(cs / 360000);
    var m = Math.floor((cs % 360000) / 6000);
    var s = Math.floor((cs % 6000) / 100);
    return pad(Math.min(h, 9999), 4) + ":" + pad(m, 2) + ":" + pad(s, 2) + "." + pad(cs % 100, 2);
  }

  // CMITime: HH:MM:SS
  function clock(date) {
    return pad(date.getHours(), 2) + ":" + pad(date.getMinutes(), 2) + ":" + pad(date.getSeconds(), 2);
  }

  function say(text) {
    var status = document.getElementById("status");
    if (status) status.textContent = text;
  }

  function finish(done, location, suspend) {
    if (finished) return;
    finished = true;
    if (!api) return;
    if (done) {
      set("cmi.core.exit", "");
    } else {
      set("cmi.core.exit", "suspend");
      if (location !== undefined) set("cmi.core.lesson_location", location);
      if (suspend !== undefined) set("cmi.suspend_data", suspend);
    }
    set("cmi.core.session_time", timespan(new Date() - started));
    api.LMSCommit("");
    api.LMSFinish("");
  }

  // --- a lesson ---------------------------------------------------------------------

  function lessonPlace() {
    var sections = document.querySelectorAll("#content p[id]");
    var place = "";
    for (var i = 0; i < sections.length; i += 1) {
      if (sections[i].getBoundingClientRect().top > 0) break;
      place = sections[i].id;
    }
    return place;
  }

  function startLesson() {
    var location = get("cmi.core.lesson_location");
    if (/^s[0-9]{1,6}$/.test(location)) {
      var target = document.getElementById(location);
      if (target && target.scrollIntoView) target.scrollIntoView();
    }
    var status = get("cmi.core.lesson_status");
    if (status === "not attempted" || status === "") {
      set("cmi.core.lesson_status", "incomplete");
      if (api) api.LMSCommit("");
    }
    var button = document.getElementById("finish");
    button.addEventListener("click", function () {
      set("cmi.core.lesson_status", "completed");
      finish(true);
      button.disabled = true;
      say("Lesson completed.");
    });
    window.addEventListener("pagehide", function () {
      finish(false, lessonPlace());
    });
  }

  // --- a quiz ------------------------------------------------------------------------

  function readKey() {
    var node = document.getElementById("answer-key");
    return JSON.parse(node.textContent);
  }

  function questionNodes() {
    return Array.prototype.slice.call(document.querySelectorAll("fieldset.question"));
  }

  function answerOf(node, kind) {
    if (kind === "text") return node.querySelector("input[type=text]").value;
    var picked = [];
    var inputs = node.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i += 1) if (inputs[i].checked) picked.push(inputs[i].value);
    return picked.join("");
  }

  function restore(node, kind, answer) {
    if (typeof answer !== "string") return;
    if (kind === "text") {
      node.querySelector("input[type=text]").value = answer;
      return;
    }
    var inputs = node.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i += 1) inputs[i].checked = answer.indexOf(inputs[i].value) >= 0;
  }

  // The answers as suspend data that always fits SCORM 1.2's 4,096 characters: long free-text
  // answers are shortened first, then the last answers are left out (they are asked again).
  function suspendData(answers, kinds) {
    var kept = answers.slice();
    var text = JSON.stringify(kept);
    var cap = 255;
    while (text.length > SUSPEND_LIMIT && cap > 8) {
      cap = Math.floor(cap / 2);
      kept = kept.map(function (a, i) {
        return kinds[i] === "text" && a.length > cap ? a.slice(0, cap) : a;
      });
      text = JSON.stringify(kept);
    }
    while (text.length > SUSPEND_LIMIT && kept.length) {
      kept.pop();
      text = JSON.stringify(kept);
    }
    return text;
  }

  function isCorrect(entry, answer) {
    if (entry.kind === "text") return answer.trim().toLowerCase() === entry.correct.trim().toLowerCase();
    return answer.split("").sort().join("") === entry.correct.split("").sort().join("");
  }

  function interactionResponse(entry, answer) {
    if (entry.kind === "text") return answer.slice(0, 255);
    return answer.split("").join(",");
  }

  function startQuiz() {
    var key = readKey();
    var nodes = questionNodes();
    var kinds = nodes.map(function (n) {
      return n.getAttribute("data-kind");
    });
    try {
      var saved = JSON.parse(get("cmi.suspend_data") || "[]");
      if (Array.isArray(saved)) saved.forEach(function (a, i) {
        if (nodes[i]) restore(nodes[i], kinds[i], a);
      });
    } catch (e) {
      /* unreadable suspend data: start afresh */
    }
    var location = get("cmi.core.lesson_location");
    if (/^q[0-9]{1,4}$/.test(location)) {
      var target = document.getElementById(location);
      if (target && target.scrollIntoView) target.scrollIntoView();
    }
    var status = get("cmi.core.lesson_status");
    if (status === "not attempted" || status === "") {
      set("cmi.core.lesson_status", "incomplete");
      if (api) api.LMSCommit("");
    }
    var mastery = parseFloat(get("cmi.student_data.mastery_score"));
    if (isNaN(mastery)) mastery = key.passing;

    function answers() {
      return nodes.map(function (n, i) {
        return answerOf(n, kinds[i]);
      });
    }

    document.getElementById("quiz").addEventListener("submit", function (event) {
      event.preventDefault();
      var given = answers();
      var gradable = 0;
      var right = 0;
      var now = clock(new Date());
      given.forEach(function (answer, i) {
        var entry = key.questions[i];
        var base = "cmi.interactions." + i + ".";
        set(base + "id", "Q" + (i + 1));
        set(base + "type", entry.kind === "text" ? "fill-in" : "choice");
        set(base + "time", now);
        set(base + "weighting", entry.correct === null ? "0" : "1");
        set(base + "student_response", interactionResponse(entry, answer));
        if (entry.correct === null) {
          set(base + "result", "neutral");
          return;
        }
        set(base + "correct_responses.0.pattern", interactionResponse(entry, entry.correct));
        gradable += 1;
        var ok = isCorrect(entry, answer);
        if (ok) right += 1;
        set(base + "result", ok ? "correct" : "wrong");
      });
      var score = gradable ? Math.round((10000 * right) / gradable) / 100 : 100;
      set("cmi.core.score.min", "0");
      set("cmi.core.score.max", "100");
      set("cmi.core.score.raw", String(score));
      var passed = score >= mastery;
      set("cmi.core.lesson_status", passed ? "passed" : "failed");
      set("cmi.suspend_data", "");
      finish(true);
      document.getElementById("submit").disabled = true;
      say("Score " + score + "%: " + (passed ? "passed." : "not passed."));
    });

    window.addEventListener("pagehide", function () {
      var given = answers();
      var first = given.findIndex(function (a) {
        return a === "";
      });
      finish(false, "q" + (first < 0 ? 0 : first), suspendData(given, kinds));
    });
  }

  function start() {
    api = findAPI();
    if (!api || String(api.LMSInitialize("")) !== "true") {
      api = null;
      say("No learning system found: progress is not recorded.");
    }
    var root = document.getElementById("sco");
    if (root.getAttribute("data-kind") === "quiz") startQuiz();
    else startLesson();
  }

  window.SparkSco = { findAPI: findAPI, suspendData: suspendData, finish: finish };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
