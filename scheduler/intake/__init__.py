"""Getting input in: reading workbooks and CSV folders, the row schema, validation
against the data contract, changes to a stored dataset, the template."""
