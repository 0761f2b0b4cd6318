/* Refresh the live progress area every 30 s without reloading the page. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch) { return; }
  var src = live.getAttribute("data-src");
  setInterval(function () {
    if (document.hidden) { return; }
    fetch(src, { credentials: "same-origin" }).then(function (res) {
      if (res.ok) { return res.text(); }
      throw new Error("HTTP " + res.status);
    }).then(function (html) { live.innerHTML = html; }, function () { /* keep the last view */ });
  }, 30000);
})();
