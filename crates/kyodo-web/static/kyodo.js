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
