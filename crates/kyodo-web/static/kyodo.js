// kyodo works without this script; it only saves typing.
// A <select data-fill="ID"> copies the chosen option's value into the field ID
// (answer templates into the answer text), unless the user cancels an overwrite.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.matches || !select.matches("select[data-fill]") || !select.value) return;
  var target = document.getElementById(select.getAttribute("data-fill"));
  if (!target) return;
  if (target.value.trim() !== "" && !window.confirm("入力中の回答文を定型文で置き換えますか？")) return;
  target.value = select.value;
  target.focus();
});

// A button marked data-print opens the print dialog (an inline onclick would
// be refused by the site's Content-Security-Policy).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (!button) return;
  event.preventDefault();
  window.print();
});

// The menu (<details class="site-menu">, a phone's menu button) and its
// groups (<details class="nav-group">) work without this script; it only
// saves taps: the phone's menu opens on the current page's group, and what
// was left open closes — another group when one opens, everything on a
// click elsewhere, the innermost on Escape (focus back on its button).
(function () {
  var MENUS = "details.site-menu, details.nav-group";
  var openMenus = function () {
    return Array.prototype.slice.call(document.querySelectorAll(MENUS)).filter(function (d) {
      return d.open;
    });
  };
  document.addEventListener(
    "toggle",
    function (event) {
      var opened = event.target;
      if (!opened.matches || !opened.open) return;
      // The phone's menu opens on the group of the page being shown: one tap less to its neighbours.
      if (opened.matches("details.site-menu")) {
        var current = opened.querySelector("details.nav-group > summary.is-current");
        if (current) current.parentNode.open = true;
        return;
      }
      if (!opened.matches("details.nav-group")) return;
      openMenus().forEach(function (d) {
        if (d !== opened && d.matches(".nav-group")) d.open = false;
      });
    },
    true
  );
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (d) {
      if (!d.contains(event.target)) d.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = openMenus();
    var inner = open.filter(function (d) {
      return d.contains(document.activeElement);
    }).pop() || open.pop();
    if (!inner) return;
    var hadFocus = inner.contains(document.activeElement);
    inner.open = false;
    if (hadFocus) inner.querySelector("summary").focus();
  });
})();
