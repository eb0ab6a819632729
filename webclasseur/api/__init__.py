"""REST API v1, mounted under /api/v1/ (see webclasseur/api/urls.py).

Shared helpers only: each app's endpoints live in its own `api.py`. The same
rules as the pages apply: objects come from the policy, writes go through the
services, and bad input gets the pages' messages.
"""
