Console.Error.WriteLine("x"); return 2;
