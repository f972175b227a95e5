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

// A date field says its 和暦 beside it while it is typed (the server says the
// same when the page comes back): 2026-12-02 → 令和8年12月2日（2026年）,
// R8.12.2 and 全角 digits too. Only a display: the server decides what a date is.
(function () {
  var ERAS = [
    { name: "明治", letter: "M", start: [1868, 1, 1] },
    { name: "大正", letter: "T", start: [1912, 7, 30] },
    { name: "昭和", letter: "S", start: [1926, 12, 25] },
    { name: "平成", letter: "H", start: [1989, 1, 8] },
    { name: "令和", letter: "R", start: [2019, 5, 1] },
  ];
  var key = function (y, m, d) {
    return y * 10000 + m * 100 + d;
  };
  var eraOf = function (k) {
    for (var i = ERAS.length - 1; i >= 0; i--) {
      var s = ERAS[i].start;
      if (k >= key(s[0], s[1], s[2])) return i;
    }
    return -1;
  };
  var valid = function (y, m, d) {
    var date = new Date(Date.UTC(y, m - 1, d));
    return y >= 1900 && y <= 2200 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  };
  var parse = function (raw) {
    var s = raw.normalize("NFKC").replace(/\s+/g, "").replace(/(\d)[ー‐−–—―](?=\d)/g, "$1-");
    if (!s) return null;
    var era = -1;
    for (var i = 0; i < ERAS.length; i++) {
      if (s.indexOf(ERAS[i].name) === 0) {
        era = i;
        s = s.slice(ERAS[i].name.length);
        break;
      }
    }
    if (era < 0 && /^[MTSHRmtshr]/.test(s)) {
      var letter = s[0].toUpperCase();
      era = ERAS.findIndex(function (e) {
        return e.letter === letter;
      });
      s = s.slice(1);
    }
    var parts = s.match(/^(元|\d{1,4})年(\d{1,2})月(\d{1,2})日?$/) || s.match(/^(元|\d{1,4})([-\/.])(\d{1,2})\2(\d{1,2})$/);
    var y, m, d;
    if (era < 0 && /^\d{8}$/.test(s)) {
      y = +s.slice(0, 4);
      m = +s.slice(4, 6);
      d = +s.slice(6, 8);
    } else if (parts) {
      var year = parts[1];
      m = +(parts.length === 5 ? parts[3] : parts[2]);
      d = +(parts.length === 5 ? parts[4] : parts[3]);
      if (era < 0) {
        if (year.length !== 4) return null;
        y = +year;
      } else {
        var n = year === "元" ? 1 : year.length <= 3 ? +year : 0;
        if (!n) return null;
        y = ERAS[era].start[0] + n - 1;
      }
    } else {
      return null;
    }
    if (!valid(y, m, d)) return null;
    var k = key(y, m, d);
    if (era >= 0 && eraOf(k) !== era) return null;
    return { y: y, m: m, d: d, era: eraOf(k) };
  };
  var show = function (input) {
    var out = document.getElementById(input.getAttribute("data-wareki"));
    if (!out) return;
    var date = parse(input.value);
    if (!date || date.era < 0) {
      out.textContent = "";
      return;
    }
    var n = date.y - ERAS[date.era].start[0] + 1;
    out.textContent =
      ERAS[date.era].name + (n === 1 ? "元" : n) + "年" + date.m + "月" + date.d + "日（" + date.y + "年）";
  };
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-wareki]")) show(event.target);
  });
})();

// A field that follows the district chosen in the same form
// (data-follows="ID of the district's select"):
// - the organisation list keeps the organisations of that district and the
//   whole city (data-option-areas="org:area,area above…;…");
// - the staff picker puts that district's team first (rows' data-teams).
(function () {
  var apply = function (follower, areaId) {
    if (follower.matches("select[data-option-areas]")) {
      var areas = {};
      follower
        .getAttribute("data-option-areas")
        .split(";")
        .forEach(function (pair) {
          var parts = pair.split(":");
          areas[parts[0]] = parts[1] ? parts[1].split(",") : [];
        });
      Array.prototype.forEach.call(follower.options, function (option) {
        var of = areas[option.value];
        var keep = !option.value || !areaId || !of || of.length === 0 || of.indexOf(areaId) >= 0;
        option.hidden = !keep;
        option.disabled = !keep;
        if (!keep && option.selected) follower.value = "";
      });
    } else if (follower.matches("[data-picker]")) {
      var team = follower.querySelector("[data-picker-group='team'] .picker__choices");
      var rest = follower.querySelector("[data-picker-group='rest'] .picker__choices");
      if (!team || !rest) return;
      var rows = Array.prototype.slice.call(follower.querySelectorAll("[data-picker-group] .check"));
      rows.sort(function (a, b) {
        return (+a.getAttribute("data-order") || 0) - (+b.getAttribute("data-order") || 0);
      });
      rows.forEach(function (row) {
        var teams = (row.getAttribute("data-teams") || "").split(",");
        (areaId && teams.indexOf(areaId) >= 0 ? team : rest).appendChild(row);
      });
    }
  };
  var followers = function (select) {
    return document.querySelectorAll("[data-follows='" + select.id + "']");
  };
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.id || !select.matches("select")) return;
    Array.prototype.forEach.call(followers(select), function (f) {
      apply(f, select.value);
    });
  });
  var init = function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-follows]"), function (f) {
      var select = document.getElementById(f.getAttribute("data-follows"));
      if (select) apply(f, select.value);
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

// A picker (check boxes in groups) gets a search box: it narrows the rows
// by name or reading and opens the groups that match; a staff picker
// (data-search-url) also asks the server for anyone else of that name.
(function () {
  var fold = function (s) {
    // 全角/半角 and hiragana → katakana, as the server's search does.
    return s
      .normalize("NFKC")
      .toLowerCase()
      .replace(/[\u3041-\u3096]/g, function (c) {
        return String.fromCharCode(c.charCodeAt(0) + 0x60);
      })
      .replace(/\s+/g, "");
  };
  var timers = new WeakMap();
  var search = function (input) {
    var picker = input.closest("[data-picker]");
    var q = fold(input.value);
    Array.prototype.forEach.call(picker.querySelectorAll("[data-picker-group]"), function (group) {
      var any = false;
      Array.prototype.forEach.call(group.querySelectorAll(".check"), function (row) {
        var hit = !q || fold(row.getAttribute("data-search") || "").indexOf(q) >= 0;
        row.hidden = !hit;
        any = any || hit;
      });
      if (q && any) group.open = true;
    });
    var url = picker.getAttribute("data-search-url");
    if (!url) return;
    clearTimeout(timers.get(picker));
    var found = picker.querySelector("[data-picker-found]");
    if (!q) {
      if (found) found.innerHTML = "";
      return;
    }
    timers.set(
      picker,
      setTimeout(function () {
        var name = picker.querySelector("input[type=checkbox]") ? picker.querySelector("input[type=checkbox]").name : picker.id.replace(/^[^-]+-/, "");
        var prefix = picker.id.split("-")[0];
        var params = new URLSearchParams({ q: input.value, name: name, prefix: prefix });
        fetch(url + "?" + params.toString(), { credentials: "same-origin" })
          .then(function (r) {
            return r.ok ? r.text() : "";
          })
          .then(function (html) {
            if (input.value === "" || !html) return;
            if (!found) {
              found = document.createElement("div");
              found.className = "picker__found";
              found.setAttribute("data-picker-found", "");
              found.setAttribute("aria-live", "polite");
              input.parentNode.after(found);
            }
            var box = document.createElement("div");
            box.innerHTML = html;
            // A person already listed keeps their row (and its check).
            Array.prototype.forEach.call(box.querySelectorAll(".check"), function (row) {
              var value = row.querySelector("input").value;
              if (picker.querySelector("[data-picker-group] input[value='" + value + "']")) row.remove();
            });
            found.innerHTML = "";
            while (box.firstChild) found.appendChild(box.firstChild);
          });
      }, 250)
    );
  };
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-picker-search]")) search(event.target);
  });
  // A row found by the search and checked joins the list, so a new search keeps it.
  document.addEventListener("change", function (event) {
    var box = event.target;
    var found = box.closest && box.closest("[data-picker-found]");
    if (!found || !box.checked) return;
    var rest = found.closest("[data-picker]").querySelector("[data-picker-group='rest'] .picker__choices");
    if (rest) rest.appendChild(box.closest(".check"));
  });
  // Enter in the search box must not send the form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("input[data-picker-search]")) event.preventDefault();
  });
  Array.prototype.forEach.call(document.querySelectorAll(".picker__search[hidden]"), function (box) {
    box.hidden = false;
  });
})();

// 「議事録から課題を起こす」 with text selected on the page: the selection,
// not the whole minutes, becomes the text (and its first line the
// title, when none is typed). Tapping the link clears a phone's selection
// first, so the last selection is remembered for a moment.
(function () {
  var last = { text: "", at: 0 };
  document.addEventListener("selectionchange", function () {
    var selection = document.getSelection();
    var text = selection ? selection.toString().trim() : "";
    if (!text) return;
    var node = selection.anchorNode && (selection.anchorNode.nodeType === 1 ? selection.anchorNode : selection.anchorNode.parentNode);
    if (node && node.closest && node.closest("form")) return;
    last = { text: text, at: Date.now() };
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#'][href$='-form']");
    if (!link) return;
    var form = document.getElementById(link.getAttribute("href").slice(1));
    var body = form && form.querySelector("textarea[name='body']");
    if (!body) return;
    var selection = document.getSelection();
    var text = (selection && selection.toString().trim()) || (Date.now() - last.at < 5000 ? last.text : "");
    if (!text) return;
    body.value = text;
    var title = form.querySelector("input[name='title']");
    if (title && !title.value.trim()) title.value = text.split("\n")[0].replace(/[。．.]+$/, "").slice(0, 40);
  });
})();

// The grant formula's rows: show only the fields the chosen type uses
// (each field names its types in data-row-types). Without script every
// field shows, and the server ignores those the type does not use.
(function () {
  function fit(row) {
    var select = row.querySelector("select[data-row-type]");
    if (!select) return;
    var type = select.value;
    Array.prototype.forEach.call(row.querySelectorAll("[data-row-types]"), function (field) {
      var types = field.getAttribute("data-row-types").split(" ");
      field.hidden = !type || types.indexOf(type) < 0;
    });
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-formula-row]"), fit);
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-row-type]")) fit(event.target.closest("[data-formula-row]"));
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
