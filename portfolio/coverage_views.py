"""Views of coverage."""
