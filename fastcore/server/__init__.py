"""fastcore's own HTTP/1.1 server: the protocol drives router, plans and writer directly."""
