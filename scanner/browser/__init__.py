"""Everything that drives the browser. The only package that imports Playwright."""
