"""Industry: brands, sponsorships, sales data, participation statistics and linkage reports."""
