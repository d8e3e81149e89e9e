"""The router and the query-string parser (``fastcore/_routing/``), both builds."""
