using Cmux.Router;
using Cmux.Router.Forwarding;
using Cmux.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddRouter();

var app = builder.Build();
app.UseMiddleware<ProxyMiddleware>();
app.UseRouting();
app.MapDefaultEndpoints();
app.Run();
