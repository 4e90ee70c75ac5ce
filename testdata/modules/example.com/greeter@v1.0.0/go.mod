module example.com/greeter

go 1.21

require example.com/workers v1.0.0
