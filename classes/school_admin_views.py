"""Views of school_admin."""
