"""Infrastructure both apps stand on: settings, extensions, the database, time, privacy.

Nothing here imports a service or a view.
"""
