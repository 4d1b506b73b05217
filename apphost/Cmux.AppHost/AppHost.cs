// The system under test, composed by Composition/CmuxStackBuilder.cs (the diagram is there) from
// the Cmux:* settings (README: the composition): fakes or real endpoints for PVE and Cloudflare,
// our router or Caddy, our execd or another, in the seed or the cmux profile.
using Cmux.AppHost.Composition;

var builder = DistributedApplication.CreateBuilder(args);
builder.AddCmuxStack(CompositionOptions.FromConfiguration(builder.Configuration));
builder.Build().Run();
