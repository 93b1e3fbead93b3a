using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Hubix.WhatsApp.Tests")]
