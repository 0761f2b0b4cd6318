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
