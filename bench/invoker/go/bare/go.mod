module fnbench/bare

go 1.23
