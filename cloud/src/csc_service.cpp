// Placeholder: written by the issue-6 work in progress.
namespace securedoc {}
