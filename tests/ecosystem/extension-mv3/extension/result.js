// Shows what the service worker stored (the extension pages' CSP forbids inline scripts).
chrome.storage.local.get(null).then((stored) => {
  const result = stored.result;
  document.getElementById("status").textContent = result ? result.status ?? "error" : "no result yet";
  document.getElementById("message").textContent = result?.lastAgentMessage ?? result?.error ?? "";
  document.getElementById("raw").textContent = JSON.stringify(stored, null, 2);
  document.body.dataset.ready = "1";
});
