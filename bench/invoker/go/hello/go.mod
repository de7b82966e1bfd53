module function

go 1.23
