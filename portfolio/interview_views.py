"""Views of interviews."""
