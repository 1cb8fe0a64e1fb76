module listenconfig.spec/go

go 1.27
