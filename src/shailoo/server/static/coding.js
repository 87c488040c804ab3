// The coding screen's keys (templates/coding_unit.html). Without this file the page is a plain form.
// Number keys choose a value of the focused variable and save it at once (a coding act per change);
// Tab/arrows move between variables; Enter saves and opens the next unit; j/k move; d shows the
// definitions; ? the keys. Loaded from this site (the CSP forbids inline script).
(function () {
  "use strict";
  var root = document.getElementById("coding");
  if (!root) return;
  var form = document.getElementById("code-form");
  var sets = Array.prototype.slice.call(form.querySelectorAll("fieldset.variable"));
  var keys = document.getElementById("keys");
  var status = document.getElementById("status");
  var progress = document.getElementById("progress");
  var csrf = (form.querySelector("input[name=csrf_token]") || {}).value || "";
  var focused = 0;
  var pending = "", timer = null;

  function focus(i) {
    if (!sets.length) return;
    focused = (i + sets.length) % sets.length;
    sets.forEach(function (s, j) { s.classList.toggle("focused", j === focused); });
    sets[focused].scrollIntoView({block: "nearest"});
  }
  var firstOpen = sets.findIndex(function (s) { return !s.classList.contains("done"); });
  focus(firstOpen < 0 ? 0 : firstOpen);

  function inputs(set) { return Array.prototype.slice.call(set.querySelectorAll("input")); }

  function say(text, bad) {
    status.textContent = text;
    status.classList.toggle("error", !!bad);
  }

  function save(set) {
    var name = set.getAttribute("data-variable");
    var body = new URLSearchParams();
    var actor = form.querySelector("input[name=actor]");
    if (actor) body.append("actor", actor.value);
    var chosen = inputs(set).filter(function (i) { return i.checked; });
    if (!chosen.length) return;  // nothing chosen yet: nothing to save
    chosen.forEach(function (i) { body.append("v:" + name, i.value); });
    body.append("go", "stay");
    fetch(root.getAttribute("data-save"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRF-Token": csrf, "Accept": "application/json"}
    }).then(function (r) {
      return r.json().then(function (j) { return [r.ok, j]; });
    }).then(function (res) {
      var ok = res[0], j = res[1];
      if (!ok || !j.saved) { say(root.getAttribute("data-failed") + (j.error ? ": " + j.error : ""), true); return; }
      set.classList.add("done");
      say(root.getAttribute("data-saved"));
      if (j.unit_coded !== j.was_coded) {  // the unit became coded (or not): one more (or less) done
        var coded = parseInt(progress.getAttribute("data-coded"), 10) + (j.unit_coded ? 1 : -1);
        var total = parseInt(progress.getAttribute("data-total"), 10);
        progress.setAttribute("data-coded", coded);
        progress.textContent = root.getAttribute("data-progress")
          .replace("{coded}", coded.toLocaleString("en")).replace("{total}", total.toLocaleString("en"));
        var bar = document.querySelector(".progress progress");
        if (bar) bar.value = coded;
      }
    }).catch(function () { say(root.getAttribute("data-failed"), true); });
  }

  function choose(set, n) {
    var multiple = set.getAttribute("data-multiple") === "true";
    var boxes = inputs(set);
    var none = multiple ? boxes.filter(function (i) { return i.value === "__none__"; })[0] : null;
    var values = boxes.filter(function (i) { return i !== none; });
    var box = n === 0 ? none : values[n - 1];
    if (!box) return;
    if (multiple) {
      box.checked = !box.checked;
      if (box === none && box.checked) values.forEach(function (i) { i.checked = false; });
      if (box !== none && box.checked && none) none.checked = false;
    } else {
      box.checked = true;
    }
    save(set);
    if (!multiple) focus(focused + 1 < sets.length ? focused + 1 : focused);
  }

  function digit(d) {
    var set = sets[focused];
    if (!set) return;
    var count = parseInt(set.getAttribute("data-count"), 10);
    clearTimeout(timer);
    pending += d;
    var n = parseInt(pending, 10);
    // more than nine values: a second digit may follow (1 then 2 is value 12) within 0.7 s
    if (count > 9 && n * 10 <= count && pending.length < 2) {
      timer = setTimeout(function () { pending = ""; choose(set, n); }, 700);
      return;
    }
    pending = "";
    choose(set, n);
  }

  form.addEventListener("change", function (e) {
    var set = e.target.closest("fieldset.variable");
    if (!set) return;
    if (e.target.value === "__none__" && e.target.checked) {
      inputs(set).forEach(function (i) { if (i !== e.target) i.checked = false; });
    } else if (e.target.checked && e.target.type === "checkbox") {
      inputs(set).forEach(function (i) { if (i.value === "__none__") i.checked = false; });
    }
    focus(sets.indexOf(set));
    save(set);
  });

  function toggleKeys(show) { keys.hidden = show === undefined ? !keys.hidden : !show; }
  document.getElementById("show-keys").addEventListener("click", function () { toggleKeys(); });
  document.getElementById("hide-keys").addEventListener("click", function () { toggleKeys(false); });

  function go(id) { var a = document.getElementById(id); if (a) window.location.assign(a.href); }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.tagName === "SELECT" || t.tagName === "TEXTAREA" ||
              (t.tagName === "INPUT" && t.type !== "radio" && t.type !== "checkbox") ||
              t.closest && t.closest("#mention-form"))) return;
    if (!keys.hidden && (e.key === "Escape" || e.key === "?")) { toggleKeys(false); e.preventDefault(); return; }
    if (/^[0-9]$/.test(e.key)) { digit(e.key); e.preventDefault(); return; }
    switch (e.key) {
      case "Tab": focus(focused + (e.shiftKey ? -1 : 1)); break;
      case "ArrowDown": focus(focused + 1); break;
      case "ArrowUp": focus(focused - 1); break;
      case "Enter": form.requestSubmit(document.getElementById("save-next")); break;
      case "j": go("next"); break;
      case "k": go("prev"); break;
      case "d": var det = sets[focused] && sets[focused].querySelector("details"); if (det) det.open = !det.open; break;
      case "?": toggleKeys(); break;
      case "Escape": toggleKeys(false); break;
      default: return;
    }
    e.preventDefault();
  });
})();
