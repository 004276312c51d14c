"""The live page's static files (HTML, script, style sheet), read as package data."""
