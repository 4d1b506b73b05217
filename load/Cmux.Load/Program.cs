Console.Error.WriteLine("cmux-load: the load engine lands with issue 8.");
return 2;
