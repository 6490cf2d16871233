"""Local fake servers that real client libraries talk to in tests."""
