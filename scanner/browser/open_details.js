// Unfold every <details> of a report before it is printed, so the paper holds what a
// reader of the HTML can unfold. Run by scanner/browser/printing.py.
() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
}
