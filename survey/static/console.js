/* Refresh the live progress area every data-every seconds (30) without reloading the page. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch) { return; }
  var src = live.getAttribute("data-src");
  var every = (+live.getAttribute("data-every") || 30) * 1000;
  setInterval(function () {
    if (document.hidden) { return; }
    fetch(src, { credentials: "same-origin" }).then(function (res) {
      if (res.ok) { return res.text(); }
      throw new Error("HTTP " + res.status);
    }).then(function (html) { live.innerHTML = html; }, function () { /* keep the last view */ });
  }, every);
})();

/* A button marked data-print prints the page (the notices and slips documents). */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function () { window.print(); });
  }
})();

/* Paper entry (#entry): an option number typed moves on to the next item, Enter moves on
   (an item left blank; Shift+Enter starts a new line in a comment), and Enter on the last
   item saves the sheet. */
(function () {
  "use strict";
  var form = document.getElementById("entry");
  if (!form) { return; }
  var fields = Array.prototype.slice.call(form.querySelectorAll("[data-entry]"));
  function next(field) {
    var i = fields.indexOf(field);
    if (i === fields.length - 1) {
      var button = form.querySelector("button[name=action]");
      if (button) { button.click(); }
    } else {
      fields[i + 1].focus();
      if (fields[i + 1].select) { fields[i + 1].select(); }
    }
  }
  fields.forEach(function (field) {
    field.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !(event.shiftKey && field.tagName === "TEXTAREA")) {
        event.preventDefault();
        next(field);
      }
    });
    var len = +field.getAttribute("data-len");
    if (len) {
      field.addEventListener("input", function () {
        if (field.value.length >= len) { next(field); }
      });
    }
  });
})();
