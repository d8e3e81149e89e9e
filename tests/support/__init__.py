"""What the tests share: which builds to test, raw HTTP, servers in a thread or a process,
apps to serve, the browser."""
