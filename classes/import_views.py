"""Views of school_import."""
