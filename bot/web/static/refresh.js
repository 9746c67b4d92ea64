// Keeps the conversation on a case page current while staff read it. Without JavaScript the
// page still works: reload it to see new messages.
(function () {
  const box = document.querySelector("[data-refresh]");
  if (!box) return;
  setInterval(async function () {
    try {
      const response = await fetch(box.dataset.refresh, {credentials: "same-origin"});
      if (response.ok && response.url.indexOf("/login") === -1) box.innerHTML = await response.text();
    } catch (error) { /* offline for a moment: try again next time */ }
  }, 5000);
})();
