module function

go 1.23.0
