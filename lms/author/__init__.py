"""Writing courses in the browser: the "Teach" pages for trainers and admins."""
