// The bot simulator: send without leaving the page, and read the
// conversation again every second and after each message.
(function () {
  "use strict";
  var form = document.getElementById("say");
  var box = document.getElementById("transcript");
  if (!form || !box) { return; }
  var last = box.innerHTML;
  var busy = false;
  function show(html) {
    if (html === last) { return; }
    last = html;
    box.innerHTML = html;
    box.scrollTop = box.scrollHeight;
  }
  function refresh() {
    if (busy) { return; }
    busy = true;
    fetch(box.dataset.src, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) {
        if (r.status !== 200) { throw new Error("status " + r.status); }
        return r.text();
      })
      .then(show)
      .catch(function () {})
      .then(function () { busy = false; });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var data = new FormData(form, e.submitter);
    var text = document.getElementById("text");
    fetch(form.action, {
      method: "POST", credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      body: new URLSearchParams(data)
    }).then(function (r) {
      if (!r.ok) { window.location.reload(); return; }
      text.value = "";
      text.focus();
      refresh();
    });
  });
  box.scrollTop = box.scrollHeight;
  setInterval(refresh, 1000);
})();

// The broadcast composer: the preview (Telegram bubble, SMS pages and their
// segments, audience and cost) follows the form as you type.
(function () {
  "use strict";
  var form = document.getElementById("compose");
  var box = document.getElementById("preview");
  if (!form || !box) { return; }
  var timer = null;
  var seq = 0;
  function update() {
    var mine = ++seq;
    fetch(form.dataset.preview, {
      method: "POST", credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      body: new URLSearchParams(new FormData(form))
    }).then(function (r) {
      if (!r.ok) { throw new Error("status " + r.status); }
      return r.text();
    }).then(function (html) {
      if (mine === seq) { box.innerHTML = html; }
    }).catch(function () {});
  }
  function soon() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(update, 250);
  }
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
})();

// Confirmations: a button marked data-confirm (send a broadcast, cancel
// one, cancel a place, disable an account) first asks the server what it
// would do; the answer (people, cost, what is lost) opens in a dialog over
// the form, whose "yes" posts the confirmed form and whose "back" just
// closes it, so nothing typed is lost. Without this script the server shows
// the same question as a page.
(function () {
  "use strict";
  var dialog = null;
  function close() { if (dialog && dialog.open) { dialog.close(); } }
  function show(html) {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "confirm-dialog";
      dialog.setAttribute("aria-labelledby", "confirm-question");
      document.body.appendChild(dialog);
      dialog.addEventListener("click", function (e) {
        if (e.target === dialog || e.target.closest("[data-close]")) { e.preventDefault(); close(); }
      });
    }
    dialog.innerHTML = html;
    dialog.showModal();
    var yes = dialog.querySelector("#confirm-yes button");
    if (yes) { yes.focus(); }
  }
  document.addEventListener("submit", function (e) {
    var form = e.target, button = e.submitter;
    if (!button || !button.hasAttribute("data-confirm") || typeof window.fetch !== "function") { return; }
    e.preventDefault();
    fetch(form.action, {
      method: "POST", credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      body: new URLSearchParams(new FormData(form))
    }).then(function (r) {
      if (r.status !== 200 || r.headers.get("X-Tamkeen-Confirm") !== "ask") { throw new Error("status " + r.status); }
      return r.text();
    }).then(show).catch(function () {
      form.submit(); // the server's own page: a problem to fix, or the question
    });
  });
})();

// The menu: on a phone it is one line that scrolls sideways; bring the
// page's own entry into view.
(function () {
  "use strict";
  var on = document.querySelector("header nav a.on");
  var nav = on && on.parentElement;
  if (!nav || nav.scrollWidth <= nav.clientWidth) { return; }
  var n = on.getBoundingClientRect(), b = nav.getBoundingClientRect();
  nav.scrollLeft += (n.left + n.width / 2) - (b.left + b.width / 2);
})();
