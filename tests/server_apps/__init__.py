"""Small apps and a launcher for the tests that run fastcore's server as a real process."""
