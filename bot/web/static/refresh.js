// Keeps the conversation on a case page current while staff read it. Without JavaScript the
// page still works: reload it to see new messages.
(function () {
  const box = document.querySelector("[data-refresh]");
  if (!box) return;
  let last = null;
  setInterval(async function () {
    // A voice message being played would stop if the list were replaced under it.
    if (Array.from(box.querySelectorAll("audio")).some(function (audio) { return !audio.paused; })) return;
    try {
      const response = await fetch(box.dataset.refresh, {credentials: "same-origin"});
      if (!response.ok || response.url.indexOf("/login") !== -1) return;
      const html = await response.text();
      // Unchanged: left alone, so the players keep their place and fetch nothing again.
      if (html !== last) { box.innerHTML = html; last = html; }
    } catch (error) { /* offline for a moment: try again next time */ }
  }, 5000);
})();
