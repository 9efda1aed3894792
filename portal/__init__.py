"""The shared kernel: what every section of the portal builds on (tenancy, roles, periods, money, tables,
CSV, background work). It imports no section; the sections and the configuration import it."""
