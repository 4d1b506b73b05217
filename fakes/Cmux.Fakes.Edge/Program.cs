using Cmux.Fakes.Edge;
using Cmux.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCloudflareEdge();

var app = builder.Build();
app.UseCloudflareEdge();
app.MapDefaultEndpoints();
app.Run();
