"""The demo data: `manage.py seed_demo` builds two partners, their people, customers, consumption and money
through the sections' own services, as `scripts/run` shows them."""
