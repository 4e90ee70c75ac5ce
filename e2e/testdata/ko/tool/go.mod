module example.com/kotool

go 1.22
