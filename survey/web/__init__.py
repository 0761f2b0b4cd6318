"""Presentation shared by the console and the survey pages: assets, error pages, security
headers, Chinese labels, charts and QR codes."""
