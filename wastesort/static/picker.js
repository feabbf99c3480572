/* The searchable picker (wastesort/picker.py): turns each input[data-picker] that holds an id
   into a search box with suggestions from the app's own JSON endpoint. Without this script the
   input stays a plain field for the number, and the server checks whatever is sent. */
(function () {
  "use strict";

  function setup(idInput) {
    var box = document.createElement("span");
    box.className = "picker-box";
    var search = document.createElement("input");
    var list = document.createElement("ul");
    var status = document.createElement("span");
    var baseId = idInput.id || idInput.name;
    search.type = "search";
    search.id = baseId + "-search";
    search.className = "picker-search";
    search.autocomplete = "off";
    search.placeholder = idInput.dataset.pickerPlaceholder || "";
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-autocomplete", "list");
    search.setAttribute("aria-expanded", "false");
    search.setAttribute("aria-controls", baseId + "-options");
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      if (idInput.hasAttribute(name)) search.setAttribute(name, idInput.getAttribute(name));
    });
    list.id = baseId + "-options";
    list.className = "picker-options";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    status.className = "picker-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    var label = idInput.dataset.pickerLabel || "";
    // a value the server could not read (not a number) is shown to be searched again
    search.value = label || (/^\d*$/.test(idInput.value) ? "" : idInput.value);
    if (!label && /^\d+$/.test(idInput.value)) search.value = idInput.value;
    document.querySelectorAll('label[for="' + idInput.id + '"]').forEach(function (l) {
      l.htmlFor = search.id;
    });
    idInput.type = "hidden";
    idInput.removeAttribute("id");
    idInput.dataset.pickerFor = search.id;
    var wrapper = idInput.closest(".picker") || idInput.parentNode;
    wrapper.querySelectorAll(".picker-fallback, .picker-current").forEach(function (el) {
      el.hidden = true;
    });
    box.appendChild(search);
    box.appendChild(list);
    box.appendChild(status);
    wrapper.insertBefore(box, idInput);

    var timer = null, request = 0, active = -1, results = [];

    function close() {
      list.hidden = true;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(item) {
      idInput.value = String(item.id);
      search.value = item.label;
      idInput.dataset.pickerLabel = item.label;
      status.textContent = "";
      close();
      idInput.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function highlight(n) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      active = (n + options.length) % options.length;
      options.forEach(function (o, i) { o.setAttribute("aria-selected", i === active ? "true" : "false"); });
      search.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function show(data, q) {
      results = data.results || [];
      list.dataset.query = q;
      list.textContent = "";
      results.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = baseId + "-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.id = item.id;
        li.textContent = item.label;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item); });
        list.appendChild(li);
      });
      status.textContent = results.length ? (data.more ? idInput.dataset.pickerMore : "")
        : idInput.dataset.pickerEmpty;
      list.hidden = !results.length;
      search.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }

    function lookup() {
      var q = search.value.trim();
      if (!list.hidden && list.dataset.query === q) return;  // these suggestions are shown
      var mine = ++request;
      var url = idInput.dataset.picker;
      url += (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) { if (mine === request) show(data, q); })
        .catch(function () { if (mine === request) status.textContent = idInput.dataset.pickerFailed; });
    }

    search.addEventListener("input", function () {
      // Until a suggestion is chosen the typed text is what is sent: a number is taken as
      // the id, anything else earns a message beside the field from the server.
      idInput.value = search.value.trim();
      idInput.dataset.pickerLabel = "";
      clearTimeout(timer);
      timer = setTimeout(lookup, 200);
    });
    search.addEventListener("focus", function () {
      if (!search.value) { clearTimeout(timer); timer = setTimeout(lookup, 0); }
    });
    search.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden) lookup(); else highlight(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
      else if (e.key === "Enter" && !list.hidden) {
        // Enter takes the highlighted suggestion (or the only one); it does not send the
        // form while suggestions are open
        e.preventDefault();
        if (active >= 0) choose(results[active]);
        else if (results.length === 1) choose(results[0]);
      }
      else if (e.key === "Escape") { close(); }
    });
    search.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function init() {
    document.querySelectorAll("input[data-picker]").forEach(setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
