using Cmux.Fakes.Cloudflare;
using Cmux.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCloudflareFake();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapCloudflareApi();
app.Run();
