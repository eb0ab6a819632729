"""Portfolio data (entries, attachments, comments, interviews) arrive with the
pupil-space issue. Until then a pupil's portfolio is the pupil themself."""
