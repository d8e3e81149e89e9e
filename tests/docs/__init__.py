"""The documentation: every docs_src/ example called as its page says, the site built and read."""
