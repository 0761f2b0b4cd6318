"""What the bureau's work is made of: campaigns, responses and their counts, progress, targets,
purging, the audit log and the demo. Views and the CLI call these; these never import a view.
"""
