/* global document */
// The event log filter: plain DOM, no dependencies, nothing loaded from anywhere.
(function () {
  const input = document.getElementById('event-filter');
  const select = document.getElementById('event-component');
  const count = document.getElementById('event-count');
  const rows = Array.from(document.querySelectorAll('#event-table tbody tr'));
  if (!input || !select || !count) return;
  function apply() {
    const query = input.value.trim().toLowerCase();
    const component = select.value;
    let shown = 0;
    for (const row of rows) {
      const match =
        (component === '' || row.getAttribute('data-component') === component) &&
        (query === '' || row.textContent.toLowerCase().includes(query));
      row.hidden = !match;
      if (match) shown++;
    }
    count.textContent = shown === rows.length ? rows.length + ' events' : shown + ' of ' + rows.length + ' events';
  }
  input.addEventListener('input', apply);
  select.addEventListener('change', apply);
  apply();
})();
