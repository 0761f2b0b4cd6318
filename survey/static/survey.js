/* Survey page helper: autosave, restore, progress, one submit, offline retry. ES5 for old WebViews. */
(function () {
  "use strict";
  var store = null;
  try { store = window.localStorage; store.setItem("sv:t", "1"); store.removeItem("sv:t"); } catch (e) { store = null; }

  // The page's words in its language, from the server (routes.SCRIPT_WORDS): %1, %2 are numbers
  var words = {}, holder = document.getElementById("survey");
  try { words = JSON.parse(holder && holder.getAttribute("data-msgs")) || {}; } catch (e) { words = {}; }
  function w(key, a, b) { return (words[key] || "").replace("%1", a).replace("%2", b); }

  // Large, high-contrast text for older readers: switched on the page, remembered on the phone
  var size = document.getElementById("size"), root = document.documentElement;
  function setBig(on) {
    root.className = on ? "big" : "";
    if (size) { size.setAttribute("aria-pressed", on ? "true" : "false"); size.textContent = w(on ? "normal" : "big"); }
    if (store) { if (on) { store.setItem("sv:big", "1"); } else { store.removeItem("sv:big"); } }
  }
  setBig(!!(store && store.getItem("sv:big")));
  if (size) {
    size.hidden = false;
    size.addEventListener("click", function () { setBig(root.className !== "big"); });
  }

  var done = document.querySelector("[data-clear]");
  if (done) { if (store) { store.removeItem("sv:" + done.getAttribute("data-clear")); } return; }

  var form = document.getElementById("survey");
  if (!form) { return; }
  var key = "sv:" + form.getAttribute("data-key");
  var total = +form.getAttribute("data-total") || 0;
  var button = document.getElementById("send");
  var net = document.getElementById("net");
  var sending = false;
  var missingSaid = false;  // the note under the button counts unanswered items
  var tries = 0, timer = null;  // automatic retries after a busy server or a lost connection

  function fields() { return form.querySelectorAll("input[type=radio],textarea,input.code"); }

  function snapshot() {
    var data = { a: {}, t: form.elements.ticket.value, at: +new Date() };
    var list = fields();
    for (var i = 0; i < list.length; i++) {
      var f = list[i];
      if (f.type === "radio") { if (f.checked) { data.a[f.name] = f.value; } }
      else if (f.value) { data.a[f.name] = f.value; }
    }
    return data;
  }

  function save() {
    if (!store) { return; }
    try { store.setItem(key, JSON.stringify(snapshot())); } catch (e) { /* storage full: keep going */ }
  }

  function restore() {
    if (!store) { return; }
    var raw = store.getItem(key), data;
    try { data = raw && JSON.parse(raw); } catch (e) { data = null; }
    if (!data || !data.a) { return; }
    var list = fields(), chosen = {};
    for (var i = 0; i < list.length; i++) {
      if (list[i].type === "radio" && list[i].checked) { chosen[list[i].name] = 1; }
    }
    for (i = 0; i < list.length; i++) {
      var f = list[i], v = data.a[f.name];
      if (v === undefined || chosen[f.name]) { continue; }
      if (f.type === "radio") { if (f.value === v) { f.checked = true; } }
      else if (!f.value) { f.value = v; }
    }
    // Keep the first ticket: a retry after a lost reply then carries the same submission id.
    // A page marked fresh answers a refused ticket: its new ticket replaces the saved one.
    if (data.t && !form.hasAttribute("data-fresh")) { form.elements.ticket.value = data.t; }
  }

  // Skip logic: an item whose condition (the tree the server evaluates too) does not hold is
  // hidden and not required; an item read by a condition counts as blank while it is hidden.
  var conditional = form.querySelectorAll("[data-if]");
  function chosen(code) {
    var fs = document.getElementById("q-" + code);
    if (fs && fs.hidden) { return ""; }
    var el = form.querySelector("input[name='" + code + "']:checked");
    return el ? el.value : "";
  }
  function holds(t) {
    var i;
    if (t[0] === "eq" || t[0] === "sel") { return chosen(t[1]) === t[2]; }
    if (t[0] === "ne") { return chosen(t[1]) !== t[2]; }
    if (t[0] === "not") { return !holds(t[1]); }
    for (i = 1; i < t.length; i++) { if (holds(t[i]) === (t[0] === "or")) { return t[0] === "or"; } }
    return t[0] === "and";
  }
  function relevance() {
    for (var i = 0; i < conditional.length; i++) {
      var fs = conditional[i], rule;
      try { rule = JSON.parse(fs.getAttribute("data-if")); } catch (e) { continue; }
      fs.hidden = !holds(rule);
      var cond = fs.querySelector(".cond");
      if (cond) { cond.hidden = true; }  // the words are for pages without script
    }
  }
  // A choice filter: an option is offered only when the item it follows has its value.
  var filtered = form.querySelectorAll("fieldset[data-filter]");
  function filters() {
    for (var i = 0; i < filtered.length; i++) {
      var value = chosen(filtered[i].getAttribute("data-filter"));
      var opts = filtered[i].querySelectorAll("label[data-when]");
      for (var j = 0; j < opts.length; j++) {
        var off = opts[j].getAttribute("data-when") !== value;
        opts[j].hidden = off;
        if (off) { opts[j].querySelector("input").checked = false; }
      }
    }
  }
  function required() { return form.querySelectorAll("fieldset[data-required]:not([hidden])"); }

  function unanswered() {
    var sets = required(), out = [];
    for (var i = 0; i < sets.length; i++) {
      var el = sets[i].querySelector("input:checked") || sets[i].querySelector("textarea");
      if (!el || (el.tagName === "TEXTAREA" && !el.value)) { out.push(sets[i]); }
    }
    return out;
  }

  function paint() {
    var opts = form.querySelectorAll(".opt");
    for (var i = 0; i < opts.length; i++) {
      var inp = opts[i].querySelector("input");
      opts[i].className = inp && inp.checked ? "opt on" : "opt";
    }
    relevance();
    filters();
    total = required().length;
    var left = unanswered().length, answered = total - left;
    document.getElementById("done").textContent = w("answered", answered, total);
    document.getElementById("fill").style.width = (total ? Math.round(100 * answered / total) : 0) + "%";
    unmark();
  }

  function filled(fs) {
    var el = fs.querySelector("input:checked");
    if (el) { return true; }
    el = fs.querySelector("textarea, input.code");
    return !!(el && el.value.replace(/\s+/g, ""));
  }

  // An item marked red (by the server or by mark()) is cleared as soon as it is answered, and
  // the count of what is left is told again, or taken away when nothing is.
  function unmark() {
    var bad = form.querySelectorAll("fieldset.bad"), left = 0;
    for (var i = 0; i < bad.length; i++) {
      var fs = bad[i];
      if (!filled(fs) && !fs.hidden) { left++; continue; }
      fs.className = fs.className.replace(/\s*\bbad\b/g, "");
      var err = fs.querySelector(".err");
      if (err) { fs.removeChild(err); }
      var described = fs.querySelectorAll("[aria-describedby]");
      for (var j = 0; j < described.length; j++) { described[j].removeAttribute("aria-describedby"); }
    }
    var alert = document.querySelector("[data-missing]");
    if (alert) {
      alert.hidden = !left;
      alert.textContent = w("leftLong", left);
    }
    if (missingSaid) { say(left ? w("left", left) : ""); missingSaid = !!left; }
  }

  function say(text) { net.textContent = text; net.hidden = !text; }

  function mark(sets) {
    for (var i = 0; i < sets.length; i++) {
      var fs = sets[i];
      if (fs.querySelector(".err")) { continue; }
      fs.className += " bad";
      var p = document.createElement("p");
      p.className = "err";
      p.textContent = w("choose");
      fs.insertBefore(p, fs.querySelector(".opts, textarea"));
    }
  }

  function send() {
    sending = true;
    missingSaid = false;
    button.disabled = true;
    button.textContent = w("sending");
    say("");
    var fail = function (text) {
      sending = false;
      button.disabled = false;
      button.textContent = w("again");
      say(text);
    };
    var later = function (text) {  // 5, 10, 20, 40, then every 60 seconds
      var wait = Math.min(60, 5 * Math.pow(2, tries++));
      fail(text + w("retry", wait));
      clearTimeout(timer);
      timer = setTimeout(function () { if (!sending) { send(); } }, wait * 1000);
    };
    clearTimeout(timer);
    fetch(form.action || location.href, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (res) {
        if (res.ok && res.redirected) {
          if (store) { store.removeItem(key); }
          location.replace(res.url);
        } else if (res.status === 429 || res.status >= 500) {
          later(w("busy"));
        } else {
          form.submit();  // let the server's page speak (missing items, closed, already submitted)
        }
      }, function () {
        later(w("offline"));
      });
  }

  restore();
  paint();
  form.addEventListener("change", function () { save(); paint(); });
  form.addEventListener("input", function () { save(); unmark(); });
  window.addEventListener("online", function () { if (!sending && net.textContent) { send(); } });
  // A language button: with storage, the page in that language is fetched again and restores
  // the answers from it; without, the button posts the form and the server shows the answers
  // again in that language (as it does with no script at all).
  var switching = false;
  var langs = document.querySelectorAll("button[name=switch_lang]");
  for (var l = 0; l < langs.length; l++) {
    langs[l].addEventListener("click", function (ev) {
      save();
      if (store) { ev.preventDefault(); location.href = this.getAttribute("data-href"); }
      else { switching = true; }
    });
  }
  form.addEventListener("submit", function (ev) {
    if (switching) { return; }
    ev.preventDefault();
    if (sending) { return; }
    save();
    var missing = unanswered();
    if (missing.length) {
      mark(missing);
      say(w("left", missing.length));
      missingSaid = true;
      missing[0].scrollIntoView();
      return;
    }
    if (!window.fetch || !window.FormData) { sending = true; button.disabled = true; form.submit(); return; }
    send();
  });
})();
