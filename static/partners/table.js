// The filter form swaps only the table; a refused filter (400) still shows its message.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr && event.detail.xhr.status === 400 && event.detail.target &&
      event.detail.target.id === "pairs") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
