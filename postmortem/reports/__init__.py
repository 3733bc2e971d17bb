"""Reports: the data each report shows, links between incidents, the index, generated files."""
